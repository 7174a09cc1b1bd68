"""The Discord adapter: discord.py on the gateway, translating to and from the platform-neutral core."""
