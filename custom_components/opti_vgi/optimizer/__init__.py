"""Pure-Python optimizer: model, algorithms, runner and CLI, without homeassistant."""
