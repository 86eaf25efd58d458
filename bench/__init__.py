"""The benchmark behind `python manage.py bench`: synthetic national-scale data (generate),
what is measured (cases) against its floor (floors), and how (measure)."""
