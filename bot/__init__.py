"""prepbot's platform-neutral core: content, rules, services and the store."""
