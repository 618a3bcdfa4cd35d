"""WTForms form classes and field-level validators; nothing here imports views."""
