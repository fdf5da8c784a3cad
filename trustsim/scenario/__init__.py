"""The scenario: schema (every parameter with default, unit and range), events, loading."""
