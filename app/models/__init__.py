"""The pure domain core shared by the client and the server: tables and enums, vocabularies, rules, indicators,
the sync wire codec, identity matching and the orientation-list reading. No Qt, no client session or engine."""
