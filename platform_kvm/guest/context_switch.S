// Kernel context switch: each thread keeps its callee-saved registers on its
// own kernel stack while another runs; the rest of its state (the user
// registers in the TrapFrame, FS/GS base, FPU) is saved by the scheduler.

        .text
// SwitchKernelStack(uint64_t* save_rsp, uint64_t next_rsp): saves the
// caller's callee-saved registers and stack pointer, then resumes the
// thread whose stack pointer is next_rsp where it last switched away.
        .global SwitchKernelStack
SwitchKernelStack:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, (%rdi)
        movq %rsi, %rsp
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret

// Where a new thread's first switch "returns" (see PrepareNewThreadStack):
// its TrapFrame sits right above, so finish the switch (which releases the
// big kernel lock) and go to ring 3.
        .global NewThreadTrampoline
NewThreadTrampoline:
        call FinishNewThread
        movq %rsp, %rdi
        jmp ReturnToUser

        .section .note.GNU-stack, "", @progbits
