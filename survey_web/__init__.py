"""HTML pages of the survey platform, served beside the API."""
