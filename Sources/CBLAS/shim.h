// OpenBLAS's C interface (Debian: libopenblas-dev puts cblas.h on the default include path).
#include <cblas.h>  // also declares openblas_set_num_threads
