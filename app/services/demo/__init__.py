"""The demo profile: a generated, fictitious caseload built through the services."""
