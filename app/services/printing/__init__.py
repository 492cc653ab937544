"""What every printed document shares: fonts and styles, signatures, seal, page rasteriser."""
