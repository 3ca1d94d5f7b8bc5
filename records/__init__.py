"""What the assistant keeps: the database, callback requests, and masking of contact details.

Shared by the Rasa server (the tracker store), the action server (the callback form)
and the advisors' command line (`python -m records`).
"""
