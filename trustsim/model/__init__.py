"""The Mesa model: TrustModel, the firm, timeline, phases, population, network, metrics."""
