// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros core: which OS instance this kernel is.
 *
 * Every OS instance of an Orthros machine runs the same kernel build. The
 * ActiveOS boots the N-th OS with orthros.nth=N on its command line; the
 * kernel the firmware booted has no such parameter and is the 1stOS.
 * The number is shown in /sys/kernel/orthros/nth.
 */
#define pr_fmt(fmt) "orthros: " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/string.h>
#include <linux/sysfs.h>

static unsigned int orthros_nth = 1;

static int __init orthros_nth_setup(char *arg)
{
	unsigned int n;

	if (kstrtouint(arg, 0, &n) || n < 1) {
		pr_err("bad orthros.nth=%s, using 1\n", arg);
		return 0;
	}
	orthros_nth = n;
	return 0;
}
early_param("orthros.nth", orthros_nth_setup);

static ssize_t nth_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%u\n", orthros_nth);
}

static struct kobj_attribute nth_attr = __ATTR_RO(nth);

static struct attribute *orthros_attrs[] = {
	&nth_attr.attr,
	NULL,
};

static const struct attribute_group orthros_group = {
	.attrs = orthros_attrs,
};

static int __init orthros_init(void)
{
	struct kobject *kobj;
	int ret;

	pr_info("this kernel is the NthOS with N=%u\n", orthros_nth);
	kobj = kobject_create_and_add("orthros", kernel_kobj);
	if (!kobj)
		return -ENOMEM;
	ret = sysfs_create_group(kobj, &orthros_group);
	if (ret)
		kobject_put(kobj);
	return ret;
}
subsys_initcall(orthros_init);
