// Embeds the freestanding Sentry ELF (built by platform_kvm/) in the host
// binary; vmm/sentry_loader.cc copies its segments into guest memory.
        .section .rodata.sentry_image, "a"
        .balign 4096
        .global ringfence_sentry_image_start
ringfence_sentry_image_start:
        .incbin SENTRY_IMAGE_PATH
        .global ringfence_sentry_image_end
ringfence_sentry_image_end:
        .section .note.GNU-stack, "", @progbits
