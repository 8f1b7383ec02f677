"""The admin's HTML pages, one module per area; each registers its views on admin.bp."""
