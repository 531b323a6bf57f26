"""Local stand-ins for the public APIs, serving real recorded records (for tests and demos)."""
