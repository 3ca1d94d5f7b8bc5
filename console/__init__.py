"""The advisors' console: the callback queue, conversations, dashboard, trainers' list
of messages not understood, and admin tasks, over the assistant's database."""
