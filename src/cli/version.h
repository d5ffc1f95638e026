#pragma once

#include "base/version.h"
