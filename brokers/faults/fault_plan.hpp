// Fault plans live with the config (config/fault_plan.hpp): brokers, fakes and the proxy read them.
#pragma once

#include "config/fault_plan.hpp"
