// zlib, for reading the gzip-compressed MNIST IDX files (Debian: zlib1g-dev).
#include <zlib.h>
