"""The survey platform's API service: instruments, collection, estimates."""
