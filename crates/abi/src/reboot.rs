//! reboot(2): the two magic numbers that must accompany every call and the commands
//! (`linux/reboot.h`).

/// First magic argument.
pub const LINUX_REBOOT_MAGIC1: u32 = 0xfee1_dead;
/// Second magic argument (Torvalds' birthday, 28 Dec 1969).
pub const LINUX_REBOOT_MAGIC2: u32 = 672_274_793;
/// Accepted alternative second magic.
pub const LINUX_REBOOT_MAGIC2A: u32 = 85_072_278;
/// Accepted alternative second magic.
pub const LINUX_REBOOT_MAGIC2B: u32 = 369_367_448;
/// Accepted alternative second magic.
pub const LINUX_REBOOT_MAGIC2C: u32 = 537_993_216;

/// Restart the system.
pub const LINUX_REBOOT_CMD_RESTART: u32 = 0x0123_4567;
/// Halt the system.
pub const LINUX_REBOOT_CMD_HALT: u32 = 0xCDEF_0123;
/// Ctrl-Alt-Del reboots immediately.
pub const LINUX_REBOOT_CMD_CAD_ON: u32 = 0x89AB_CDEF;
/// Ctrl-Alt-Del sends SIGINT to init.
pub const LINUX_REBOOT_CMD_CAD_OFF: u32 = 0x0000_0000;
/// Power the machine off.
pub const LINUX_REBOOT_CMD_POWER_OFF: u32 = 0x4321_FEDC;
/// Restart with a command string.
pub const LINUX_REBOOT_CMD_RESTART2: u32 = 0xA1B2_C3D4;
/// Suspend to disk.
pub const LINUX_REBOOT_CMD_SW_SUSPEND: u32 = 0xD000_FCE2;
/// Boot a loaded kexec kernel.
pub const LINUX_REBOOT_CMD_KEXEC: u32 = 0x4558_4543;

/// Whether `(magic1, magic2)` is a pair reboot(2) accepts (EINVAL otherwise).
#[must_use]
pub fn magic_ok(magic1: u32, magic2: u32) -> bool {
    magic1 == LINUX_REBOOT_MAGIC1
        && matches!(
            magic2,
            LINUX_REBOOT_MAGIC2
                | LINUX_REBOOT_MAGIC2A
                | LINUX_REBOOT_MAGIC2B
                | LINUX_REBOOT_MAGIC2C
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_needs_magic1_and_one_of_the_magic2_values() {
        assert!(
            magic_ok(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2),
            "the usual pair"
        );
        assert!(
            magic_ok(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2C),
            "an alternative magic2"
        );
        assert!(!magic_ok(0, LINUX_REBOOT_MAGIC2), "wrong magic1");
        assert!(!magic_ok(LINUX_REBOOT_MAGIC1, 0), "wrong magic2");
    }
}
