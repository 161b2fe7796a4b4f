"""OpenRosa 1.0 for ODK Collect / KoboCollect: form list, XForm download and submission over HTTP Digest."""
