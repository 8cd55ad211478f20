// Allowed: db may include core.
#include "core/status.h"
