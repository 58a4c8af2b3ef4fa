import time
import random
from shoal import Process, current_process, Lock, Value

lock = Lock()

def catchSalmon(n, salmonCount):
    global lock
    i = 0
    pName = current_process().name
    pid = current_process().pid
    print("\t[%s (%d)] Starting the process" % (pName, pid))
    while i < n:
        print("\t[%s (%d)] Total Salmon: %d" % (pName, pid, salmonCount.value))
        if (salmonCount.value <= 0):
            x = 5 * random.random()
            print("\t[%s (%d)] No Salmon yet. Let us wait again" % (pName, pid))
            time.sleep(x)
        else:
            print("\t[%s (%d)] Woohoo.. Caught a Salmon" % (pName, pid))
            lock.acquire()
            salmonCount.value -= 1
            lock.release()
            i += 1
    print("\t[%s (%d)] Finishing the process" % (pName, pid))

def jumpUpstream(n, salmonCount):
    global lock
    i = 0

    pName = current_process().name
    pid = current_process().pid
    print("\t[%s (%d)] Starting the process" % (pName, pid))
    while i < n:
        x = 5 * random.random()
        time.sleep(x)
        lock.acquire()
        salmonCount.value += 1
        lock.release()
        print("\t[%s (%d)] One Salmon jumped upstream" % (pName, pid))
        print("\t[%s (%d)] Total Salmon: %d" % (pName, pid, salmonCount.value))
        i += 1
    print("\t[%s (%d)] Finishing the process" % (pName, pid))

if __name__ == '__main__':
    pName = current_process().name
    pid = current_process().pid
    print("[%s (%d)] Starting the Main process" % (pName, pid))

    salmonCount = Value('i', 0)
    p_bear = Process(target=catchSalmon, args=(3, salmonCount))
    p_bear.start()
    p_salmon = Process(target=jumpUpstream, args=(3, salmonCount))
    p_salmon.start()

    print("[%s (%d)] Wait for process: %s" % (pName, pid, p_bear.name))
    p_bear.join()
    print("[%s (%d)] Wait for process: %s" % (pName, pid, p_salmon.name))
    p_salmon.join()
    print("[%s (%d)] Finishing the Main process" % (pName, pid))
