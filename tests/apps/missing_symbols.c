// Calls libc functions the kernel does not provide (System V message queues and semaphores, which
// a single-application OS has no use for): loading must fail before main runs, naming every one.
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>

int main(void)
{
    puts("main must not run");
    int q = msgget(IPC_PRIVATE, 0600);
    return q >= 0 && semget(IPC_PRIVATE, 1, 0600) >= 0;
}
