"""What people see: result folders and manifests, figures, reports, narrative, labels."""
