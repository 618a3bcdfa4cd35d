"""Blueprints, one per audience: public, respond (signatories), manage (lead), review (reviewers), auth."""
