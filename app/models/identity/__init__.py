"""Who is who: NIR, identifiers and the identity matching rules (DOMAIN.md, « Department exchanges »)."""
