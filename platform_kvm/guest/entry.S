// Entry and exit paths of the Sentry: boot, SYSCALL, exceptions/interrupts,
// and the return to ring 3. All of them share one TrapFrame layout
// (trap_frame.h); the per-CPU block is reached through %gs (percpu.h).

#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP 16
#define USER_CS (0x28 | 3)
#define USER_SS (0x20 | 3)
#define SYSCALL_VECTOR 0x100
#define FRAME_CS 144

        .section .text.boot, "ax"
        .global sentry_entry
// The VMM starts us in long mode with interrupts off, %rdi = BootInfo.
sentry_entry:
        cli
        leaq boot_stack_top(%rip), %rsp
        xorl %ebp, %ebp
        call SentryMain
1:      hlt
        jmp 1b

// An application processor, started by the VMM (kStartCpu) in long mode
// with interrupts off, %rsp = its own stack, %rdi = its index.
        .global sentry_ap_entry
sentry_ap_entry:
        cli
        xorl %ebp, %ebp
        call SentryApMain
2:      hlt
        jmp 2b

        .text

// Pushes the general registers in TrapFrame order (r15 ends lowest).
.macro PUSH_GPRS
        pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
.endm

.macro POP_GPRS
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rbp
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
.endm

// SYSCALL from ring 3: RIP in %rcx, RFLAGS in %r11, IF cleared by SFMASK.
// Switch to the task's kernel stack and build an interrupt-shaped frame.
        .global syscall_entry
syscall_entry:
        swapgs
        movq %rsp, %gs:PERCPU_USER_RSP
        movq %gs:PERCPU_KERNEL_RSP, %rsp
        pushq $USER_SS
        pushq %gs:PERCPU_USER_RSP
        pushq %r11
        pushq $USER_CS
        pushq %rcx
        pushq %rax              // error_code slot: the syscall number (orig_rax), for restarts
        pushq $SYSCALL_VECTOR
        PUSH_GPRS
        movq %rsp, %rdi
        cld
        call SentrySyscall
        movq %rsp, %rdi
        jmp ReturnToUser

// ReturnToUser(TrapFrame* frame): restore and leave to ring 3. SYSRET when
// the frame allows it (rcx/r11 already hold rip/rflags, rip is a canonical
// user address), IRET otherwise (e.g. after sigreturn or a fault).
        .global ReturnToUser
ReturnToUser:
        movq %rdi, %rsp
        POP_GPRS
        addq $16, %rsp          // vector, error_code
        cmpq %rcx, 0(%rsp)
        jne 2f
        cmpq %r11, 16(%rsp)
        jne 2f
        cmpq $USER_CS, 8(%rsp)
        jne 2f
        cmpq $USER_SS, 32(%rsp)
        jne 2f
        pushq %rcx
        shrq $47, %rcx          // SYSRET to a non-canonical rip would fault in ring 0
        popq %rcx               // (pop leaves the flags of shr intact)
        jnz 2f
        swapgs
        movq 24(%rsp), %rsp
        sysretq
2:      swapgs
        iretq

// Exceptions and interrupts. Stubs give every vector the same frame: the
// CPU's error code, or 0, then the vector number.
.macro TRAP_STUB vector, has_error
        .balign 16
trap_stub_\vector:
.if \has_error == 0
        pushq $0
.endif
        pushq $\vector
        jmp trap_common
.endm

trap_common:
        testb $3, 24(%rsp)      // saved CS: did we come from ring 3?
        jz 1f
        swapgs
1:      PUSH_GPRS
        movq %rsp, %rdi
        cld
        call SentryTrap
        testb $3, FRAME_CS(%rsp)
        jz 3f
        movq %rsp, %rdi
        jmp ReturnToUser
3:      POP_GPRS
        addq $16, %rsp
        iretq

// Vectors 8, 10-14, 17, 21, 29, 30 push an error code.
.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
        TRAP_STUB \v, 0
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
        TRAP_STUB \v, 1
.endr
.altmacro
.macro TRAP_STUB_RANGE from, to
        TRAP_STUB %from, 0
.if \to-\from
        TRAP_STUB_RANGE %(\from+1), \to
.endif
.endm
        TRAP_STUB_RANGE 32, 95
        TRAP_STUB_RANGE 96, 159
        TRAP_STUB_RANGE 160, 223
        TRAP_STUB_RANGE 224, 255
.noaltmacro

// The table descriptors.cc uses to fill the IDT.
        .section .rodata
        .balign 8
        .global trap_stub_table
trap_stub_table:
.altmacro
.macro STUB_ADDRESS n
        .quad trap_stub_\n
.endm
.set i, 0
.rept 256
        STUB_ADDRESS %i
        .set i, i+1
.endr
.noaltmacro

        .bss
        .balign 16
        .global boot_stack_top
boot_stack:
        .skip 32768
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
