// A deliberate violation for the layering check's own test: core may not include db.
#include "db/collection.h"
