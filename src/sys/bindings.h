/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one header bindgen reads for ctn (see Kbuild). What it may expose is listed in
 * bindgen_allowlist next to it.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
