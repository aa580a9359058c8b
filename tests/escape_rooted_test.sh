#!/bin/sh
# The escape suite again, as root inside a container with a root of its own (the host's
# programs, /etc, /dev, /sys and /tmp bound into it, a /proc of its own): every attempt is
# refused there as in a container without a root.
CTN_ESCAPE_ROOT=1 exec sh "$(dirname "$0")/escape_test.sh"
