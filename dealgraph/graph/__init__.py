"""The typed graph: the model (``model.yaml``), value parsing, records and the stores."""
