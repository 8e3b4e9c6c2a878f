// SPDX-License-Identifier: GPL-2.0-only
/*
 * Orthros: the dead ActiveOS's memory as /proc/vmcore in the OS that took
 * over from it, in the format a kdump kernel gives: an ELF core with the
 * dead kernel's VMCOREINFO note and one PT_LOAD per range of its System
 * RAM. The recovery tools of the kdump path read it unchanged.
 *
 * The dead OS said where its memory is (struct orthros_memmap in the shared
 * memory, kept up to date by the OS itself, like kdump's ELF core header);
 * its cores are fenced, so nothing changes that memory any more. Each range
 * is mapped once, write-back cached, when the view is made, so a read is a
 * copy (the readers make many small reads). The view ends for good before
 * this OS hot-adds any of that memory (orthros_vmcore_retire()): from then
 * on the frames hold this OS's data, not the dead one's.
 */
#define pr_fmt(fmt) "orthros: " fmt

#include <linux/crash_core.h>
#include <linux/elf.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/orthros.h>
#include <linux/proc_fs.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

struct vmcore_load {
	u64 start, size;	/* physical */
	u64 offset;		/* in the file */
	void *map;
};

static struct {
	char *hdr;		/* ELF header, program headers, the note */
	size_t hdr_size;	/* offset of the first PT_LOAD's data */
	struct vmcore_load load[ORTHROS_MAX_RAM];
	unsigned int nr_load;
	u64 size;
	unsigned int nth;
	struct proc_dir_entry *pde;
	bool retired;
	int error;		/* why there is no view, if there is none */
} vc;
static DEFINE_MUTEX(vmcore_lock);

static const struct vmcore_load *find_load(u64 pos)
{
	unsigned int i;

	for (i = 0; i < vc.nr_load; i++)
		if (pos >= vc.load[i].offset && pos - vc.load[i].offset < vc.load[i].size)
			return &vc.load[i];
	return NULL;
}

static ssize_t vmcore_read(struct file *f, char __user *buf, size_t len, loff_t *ppos)
{
	u64 pos = *ppos;
	size_t done = 0;
	int err = 0;

	if (pos >= vc.size)
		return 0;
	len = min_t(u64, len, vc.size - pos);
	while (done < len && !err) {
		const struct vmcore_load *l = NULL;
		const void *from;
		size_t n;

		if (pos < vc.hdr_size) {
			n = min_t(u64, len - done, vc.hdr_size - pos);
			from = vc.hdr + pos;
		} else {
			l = find_load(pos);
			if (!l) {
				err = -EIO;
				break;
			}
			/* At most a MiB between looks for signals. */
			n = min3((u64)(len - done), l->offset + l->size - pos, (u64)SZ_1M);
			from = l->map + (pos - l->offset);
		}
		if (copy_to_user(buf + done, from, n)) {
			err = -EFAULT;
			break;
		}
		done += n;
		pos += n;
		if (fatal_signal_pending(current))
			err = -EINTR;
		cond_resched();
	}
	*ppos = pos;
	return done ?: err;
}

static const struct proc_ops vmcore_ops = {
	.proc_read = vmcore_read,
	.proc_lseek = default_llseek,
};

/* The dead kernel's VMCOREINFO note, checked and cut to its real size. */
static int read_note(const struct orthros_memmap *m, void **note, size_t *len)
{
	static const char name[] = "VMCOREINFO";
	struct elf64_note *nh, h;
	size_t n;
	int ret = 0;

	if (!m->vmcoreinfo || m->vmcoreinfo_size < sizeof(*nh) ||
	    m->vmcoreinfo_size > VMCOREINFO_NOTE_SIZE ||
	    !orthros_vmcore_covers(m->vmcoreinfo, m->vmcoreinfo_size))
		return -EINVAL;
	nh = memremap(m->vmcoreinfo, m->vmcoreinfo_size, MEMREMAP_WB);
	if (!nh)
		return -ENOMEM;
	/*
	 * Read once, sized in size_t: ALIGN() of a u32 n_descsz of 0xffffffff
	 * wraps to 0, and the note would pass as 24 bytes long.
	 */
	memcpy(&h, nh, sizeof(h));
	n = sizeof(h) + ALIGN((size_t)h.n_namesz, 4) + ALIGN((size_t)h.n_descsz, 4);
	if (h.n_namesz != sizeof(name) || n > m->vmcoreinfo_size ||
	    memcmp(nh + 1, name, sizeof(name))) {
		ret = -EINVAL;
		goto out;
	}
	*note = kmemdup(nh, n, GFP_KERNEL);
	*len = n;
	if (*note)
		memcpy(*note, &h, sizeof(h));	/* the header that was checked */
	else
		ret = -ENOMEM;
out:
	memunmap(nh);
	return ret;
}

static int build_header(const struct orthros_memmap *m, const void *note, size_t note_len)
{
	size_t phnum = 1 + m->nr_ram, note_off;
	struct elf64_phdr *ph;
	struct elf64_hdr *eh;
	unsigned int i;
	u64 off;

	note_off = sizeof(*eh) + phnum * sizeof(*ph);
	vc.hdr_size = PAGE_ALIGN(note_off + note_len);
	vc.hdr = kzalloc(vc.hdr_size, GFP_KERNEL);
	if (!vc.hdr)
		return -ENOMEM;
	eh = (struct elf64_hdr *)vc.hdr;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = phnum;

	ph = (struct elf64_phdr *)(vc.hdr + sizeof(*eh));
	ph->p_type = PT_NOTE;
	ph->p_offset = note_off;
	ph->p_filesz = note_len;
	ph->p_memsz = note_len;
	memcpy(vc.hdr + note_off, note, note_len);

	off = vc.hdr_size;
	for (i = 0; i < m->nr_ram; i++) {
		ph++;
		ph->p_type = PT_LOAD;
		ph->p_flags = PF_R | PF_W | PF_X;
		ph->p_offset = off;
		ph->p_paddr = m->ram[i].start;
		ph->p_vaddr = PAGE_OFFSET + m->ram[i].start;
		ph->p_filesz = m->ram[i].size;
		ph->p_memsz = m->ram[i].size;
		off += m->ram[i].size;
	}
	vc.size = off;
	return 0;
}

static bool overlaps(u64 start, u64 end, u64 rstart, u64 rsize)
{
	return start < rstart + rsize && rstart < end;
}

/*
 * Can [start, start + size) be the dead OS's RAM? Checked against this OS's
 * own copy of the partition, never against what the dead OS wrote:
 * an OS after the 1stOS has only what the partition gives an OS (its slot,
 * the general and 1stOS-only regions), range after range. The 1stOS also
 * has the RAM no range lists, but never a slot, a slot's low chunk or the
 * shared memory; of what is left, the x86 legacy window, the interrupt
 * controllers and the PCI ECAM are device registers, not RAM (reading
 * them could change a device), so they are refused too.
 */
static bool dead_ram(u64 start, u64 size, unsigned int nth)
{
	const struct orthros_partition *p = orthros_partition();
	const struct orthros_platform *pf = orthros_boot_platform();
	u64 pos = start, end = start + size;
	unsigned int i, n, steps;

	if (!p || end < start)
		return false;
	n = min_t(u32, p->nr_ranges, ORTHROS_MAX_RANGES);
	if (nth == 1) {
		for (i = 0; i < n; i++)
			if (p->ranges[i].kind != ORTHROS_MEM_FIRST_ONLY &&
			    p->ranges[i].kind != ORTHROS_MEM_GENERAL &&
			    overlaps(start, end, p->ranges[i].start, p->ranges[i].size))
				return false;
		if (overlaps(start, end, 0xa0000, 0x60000) ||
		    overlaps(start, end, 0xfec00000, 0x1400000) ||
		    (pf && pf->ecam_base &&
		     overlaps(start, end, pf->ecam_base, ((u64)pf->ecam_last_bus + 1) << 20)))
			return false;
		return true;
	}
	for (steps = 0; pos < end && steps < n; steps++) {
		for (i = 0; i < n; i++) {
			const struct orthros_range *r = &p->ranges[i];

			if (r->kind != ORTHROS_MEM_SHARED && pos >= r->start &&
			    pos - r->start < r->size) {
				pos = r->start + r->size;
				break;
			}
		}
		if (i == n)
			return false;
	}
	return pos >= end;
}

/* The dead OS's ranges: ascending, disjoint, the partition's RAM, none of them ours. */
static int take_ranges(const struct orthros_memmap *m, unsigned int nth)
{
	u64 off = 0, end = 0;
	unsigned int i;

	if (!m->nr_ram || m->nr_ram > ORTHROS_MAX_RAM)
		return -EINVAL;
	for (i = 0; i < m->nr_ram; i++) {
		const struct orthros_ram *r = &m->ram[i];

		if (!r->size || r->start < end || r->start + r->size < r->start)
			return -EINVAL;
		if (!dead_ram(r->start, r->size, nth)) {
			pr_err("vmcore: [%#llx-%#llx), published as the dead OS's RAM, is not memory it can have\n",
			       r->start, r->start + r->size);
			return -EINVAL;
		}
		if (region_intersects(r->start, r->size, IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) != REGION_DISJOINT) {
			pr_err("vmcore: the dead OS's RAM [%#llx-%#llx) is this OS's RAM too\n",
			       r->start, r->start + r->size);
			return -EINVAL;
		}
		vc.load[i].start = r->start;
		vc.load[i].size = r->size;
		vc.load[i].offset = off;	/* moved past the header below */
		vc.load[i].map = memremap(r->start, r->size, MEMREMAP_WB);
		if (!vc.load[i].map) {
			pr_err("vmcore: cannot map the dead OS's RAM [%#llx-%#llx)\n",
			       r->start, r->start + r->size);
			return -ENOMEM;
		}
		off += r->size;
		end = r->start + r->size;
	}
	vc.nr_load = m->nr_ram;
	return 0;
}

static void unmap_ranges(void)
{
	unsigned int i;

	for (i = 0; i < ORTHROS_MAX_RAM; i++) {
		if (vc.load[i].map)
			memunmap(vc.load[i].map);
		vc.load[i].map = NULL;
	}
}

int orthros_vmcore_create(const struct orthros_memmap *shared, unsigned int nth)
{
	struct orthros_memmap *m;
	size_t note_len = 0;
	void *note = NULL;
	unsigned int i;
	int ret;

	/* One copy to read: the shared memory is another OS's to write. */
	m = kmemdup(shared, sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	mutex_lock(&vmcore_lock);
	ret = -EBUSY;
	if (vc.nr_load)
		goto out;
	vc.nth = nth;
	ret = take_ranges(m, nth);
	if (ret) {
		pr_err("vmcore: the dead OS published no valid memory map\n");
		vc.nr_load = 0;
		goto out;
	}
	ret = read_note(m, &note, &note_len);
	if (ret) {
		pr_err("vmcore: no valid VMCOREINFO note at %#llx in the dead OS's memory\n",
		       m->vmcoreinfo);
		goto out;
	}
	ret = build_header(m, note, note_len);
	if (ret)
		goto out;
	for (i = 0; i < vc.nr_load; i++)
		vc.load[i].offset += vc.hdr_size;
	vc.pde = proc_create("vmcore", 0400, NULL, &vmcore_ops);
	if (!vc.pde) {
		pr_err("vmcore: cannot create /proc/vmcore\n");
		ret = -EEXIST;
		goto out;
	}
	proc_set_size(vc.pde, vc.size);
	pr_info("vmcore: the memory of the dead NthOS %u is /proc/vmcore: %u ranges, %llu MiB\n",
		nth, vc.nr_load, (vc.size - vc.hdr_size) >> 20);
out:
	if (ret) {
		unmap_ranges();
		kfree(vc.hdr);
		vc.hdr = NULL;
		vc.error = ret;
	}
	mutex_unlock(&vmcore_lock);
	kfree(note);
	kfree(m);
	return ret;
}

/* Before any of the dead memory becomes ours: no reader may see it again. */
void orthros_vmcore_retire(void)
{
	mutex_lock(&vmcore_lock);
	if (vc.pde) {
		proc_remove(vc.pde);	/* waits for readers inside */
		vc.pde = NULL;
		unmap_ranges();
		kfree(vc.hdr);
		vc.hdr = NULL;
		vc.retired = true;
		pr_info("vmcore: /proc/vmcore of the dead NthOS %u ends: its memory is being added here\n",
			vc.nth);
	}
	mutex_unlock(&vmcore_lock);
}

/* Is [start, start + size) RAM the dead OS had (whether or not still shown)? */
bool orthros_vmcore_covers(u64 start, u64 size)
{
	unsigned int i;

	for (i = 0; i < vc.nr_load; i++)
		if (start >= vc.load[i].start && start + size >= start &&
		    start + size <= vc.load[i].start + vc.load[i].size)
			return true;
	return false;
}

ssize_t orthros_vmcore_show(char *buf)
{
	ssize_t n;

	mutex_lock(&vmcore_lock);
	if (!vc.nr_load)
		n = sysfs_emit(buf, vc.error ? "error=%d\n" : "none\n", vc.error);
	else
		n = sysfs_emit(buf, "nth=%u ranges=%u bytes=%llu state=%s\n", vc.nth, vc.nr_load,
			       vc.size - vc.hdr_size,
			       vc.pde ? "open" : vc.retired ? "retired" : "error");
	mutex_unlock(&vmcore_lock);
	return n;
}
