"""Developer tooling: build, train, run, chat."""
