"""What client and server share of the sync protocol: the wire codec."""
