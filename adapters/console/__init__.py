"""The console adapter: a local channel in the terminal, also the test harness."""
