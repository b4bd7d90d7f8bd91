"""End-to-end tests in a real Home Assistant and browser (scripts/test --e2e)."""
