//! MJPEG containers: the lab format (5-digit length + JPEG) and raw concatenated JPEG.
