"""What a buyer sees, one module per feature: texts and keyboards drawn from the plain data the core returns."""
