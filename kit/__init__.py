"""Infrastructure shared by every sendpb service. No domain types live here."""
