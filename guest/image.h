/* image.h - the embedded built-in guest image (guest_blob.S). */
#ifndef HVDB_GUEST_IMAGE_H
#define HVDB_GUEST_IMAGE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

extern const uint8_t hvdb_guest_image[];
extern const uint8_t hvdb_guest_image_end[];

#ifdef __cplusplus
}
#endif

#endif
