"""QR links for service points: signing, resolving, images, and answering through them."""
