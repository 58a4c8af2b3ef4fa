from shoal import Process, current_process
import time
import random

def sleepAndRun(n):
    pName = current_process().name
    pid = current_process().pid
    print("\t[%s (%d)] Starting the process" % (pName, pid))
    i = 0
    while i < n:
        x = 5 * random.random()
        print("\t[%s (%d)] Let us sleep for %f seconds" % (pName, pid, x))
        time.sleep(x)

        x = 5 * random.random()
        print("\t[%s (%d)] Let us run for %f seconds" % (pName, pid, x))
        i += 1
    print("\t[" + pName + "] Finishing the process")

if __name__ == '__main__':
    pName = current_process().name
    pid = current_process().pid
    print("[%s (%d)] Starting the process" % (pName, pid))

    p = Process(target=sleepAndRun, args=(5,))
    p.start()

    print("[%s (%d)] Wait for process: %s" % (pName, pid, p.name))
    p.join()
    print("[%s (%d)] Finishing the process" % (pName, pid))
