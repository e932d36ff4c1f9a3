"""Local stand-ins for remote services (real aiohttp servers on 127.0.0.1) and a helper that runs
the motcua service itself on a free port."""
