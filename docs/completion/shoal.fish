# fish completion for shoal(1): verbs, their options, and the names the daemon knows (process
# names from `shoal status --json`, values from `shoal value list --json`, named locks from
# `shoal lock list --json`). Installed as /usr/share/fish/vendor_completions.d/shoal.fish.

# The words typed so far that are neither options nor their values: the verb first. After
# `--` every word counts (the program and its arguments).
function __shoal_words
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    set -l rest 0
    for t in $tokens
        if test $rest -eq 1
            echo $t
            continue
        end
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case --
                set rest 1
            case --socket --timeout --name --cwd --env --env-file --restart --restart-max \
                --restart-window --user --group -s --signal --since -n --lines --count --values \
                --owner --stream
                set skip 1
            case '-*'
            case '*'
                echo $t
        end
    end
end

# True when the verb is $argv[1] (and, with a second argument, the sub-verb is $argv[2]).
function __shoal_verb_is
    set -l words (__shoal_words)
    test (count $words) -ge 1; and test "$words[1]" = $argv[1]; or return 1
    if test (count $argv) -ge 2
        test (count $words) -ge 2; and test "$words[2]" = $argv[2]
    end
end

function __shoal_needs_verb
    test (count (__shoal_words)) -eq 0
end

# A group verb (value, array, lock, help) still without its sub-verb.
function __shoal_needs_sub -a group
    set -l words (__shoal_words)
    test (count $words) -eq 1; and test "$words[1]" = $group
end

function __shoal_after_dashdash
    contains -- -- (commandline -opc)
end

# The "name" fields of what `shoal [--socket S] ARGS --json` prints, asking the daemon named
# by a --socket on the command line; nothing when it cannot be reached within two seconds.
function __shoal_names
    set -l tokens (commandline -opc)
    set -l socket
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case --socket
                set -l next (math $i + 1)
                if test $next -le (count $tokens)
                    set socket --socket $tokens[$next]
                end
            case '--socket=*'
                set socket --socket (string replace -- --socket= '' $tokens[$i])
        end
    end
    timeout 2 $tokens[1] $socket $argv --json 2>/dev/null | string match -rag '"name":"([^"]*)"'
end

# What a TARGET may be: process names, the declared programs they belong to, and `all`.
function __shoal_targets
    set -l tokens (commandline -opc)
    set -l socket
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case --socket
                set -l next (math $i + 1)
                if test $next -le (count $tokens)
                    set socket --socket $tokens[$next]
                end
            case '--socket=*'
                set socket --socket (string replace -- --socket= '' $tokens[$i])
        end
    end
    timeout 2 $tokens[1] $socket status --json 2>/dev/null | string match -rag '"(?:name|program)":"([^"]*)"' | sort -u
    echo all
end

complete -c shoal -f
complete -c shoal -l socket -r -F -d "the daemon's socket"
complete -c shoal -l json -d 'print the raw result as JSON'
complete -c shoal -s h -l help -d 'show the usage and options'
complete -c shoal -n __shoal_needs_verb -l version -d 'show the version'

complete -c shoal -n __shoal_needs_verb -a start -d 'start a program under shoald'
complete -c shoal -n __shoal_needs_verb -a join -d 'wait for processes to exit'
complete -c shoal -n __shoal_needs_verb -a 'status ls ps' -d 'show processes'
complete -c shoal -n __shoal_needs_verb -a stop -d 'stop processes (SIGTERM, then SIGKILL)'
complete -c shoal -n __shoal_needs_verb -a restart -d 'stop processes, then start them again'
complete -c shoal -n __shoal_needs_verb -a kill -d 'send a signal to processes'
complete -c shoal -n __shoal_needs_verb -a remove -d 'forget exited processes and their logs'
complete -c shoal -n __shoal_needs_verb -a logs -d 'print what processes wrote'
complete -c shoal -n __shoal_needs_verb -a top -d 'a live full-screen view'
complete -c shoal -n __shoal_needs_verb -a ping -d 'check that shoald answers'
complete -c shoal -n __shoal_needs_verb -a reload -d 're-read the programs file'
complete -c shoal -n __shoal_needs_verb -a watch -d 'print events as they happen'
complete -c shoal -n __shoal_needs_verb -a value -d 'shared values'
complete -c shoal -n __shoal_needs_verb -a array -d 'shared arrays'
complete -c shoal -n __shoal_needs_verb -a lock -d 'the shared lock and named locks'
complete -c shoal -n __shoal_needs_verb -a daemon -d 'shoald itself (daemon reexec: upgrade in place)'
complete -c shoal -n __shoal_needs_verb -a help -d 'show the usage of a verb'

# start
complete -c shoal -n '__shoal_verb_is start; and not __shoal_after_dashdash' -l name -x -a '(__shoal_targets)' -d 'the process name, or a declared program'
complete -c shoal -n '__shoal_verb_is start; and not __shoal_after_dashdash' -l cwd -x -a '(__fish_complete_directories)' -d 'working directory'
complete -c shoal -n '__shoal_verb_is start; and not __shoal_after_dashdash' -l env -x -d 'an environment variable, KEY=VALUE'
complete -c shoal -n '__shoal_verb_is start; and not __shoal_after_dashdash' -l env-file -r -F -d 'a file of KEY=VALUE lines'
complete -c shoal -n '__shoal_verb_is start; and not __shoal_after_dashdash' -l restart -x -a 'no on-failure always' -d 'when to restart it'
complete -c shoal -n '__shoal_verb_is start; and not __shoal_after_dashdash' -l restart-max -x -d 'restarts allowed in the window'
complete -c shoal -n '__shoal_verb_is start; and not __shoal_after_dashdash' -l restart-window -x -d 'the window, in seconds'
complete -c shoal -n '__shoal_verb_is start; and not __shoal_after_dashdash' -l user -x -a '(__fish_complete_users)' -d 'run it as this user'
complete -c shoal -n '__shoal_verb_is start; and not __shoal_after_dashdash' -l group -x -a '(__fish_complete_groups)' -d 'run it with this group'
# The program to run, then its arguments (files, as a shell would offer).
complete -c shoal -n '__shoal_verb_is start; and test (count (__shoal_words)) -eq 1' -a '(__fish_complete_command)'
complete -c shoal -n '__shoal_verb_is start; and test (count (__shoal_words)) -ge 2' -F
complete -c shoal -n '__shoal_verb_is lock run; and test (count (__shoal_words)) -eq 2' -a '(__fish_complete_command)'
complete -c shoal -n '__shoal_verb_is lock run; and test (count (__shoal_words)) -ge 3' -F

# processes by TARGET: a name, a program, all, or a quoted glob
complete -c shoal -n '__shoal_verb_is join; or __shoal_verb_is status; or __shoal_verb_is ls; or __shoal_verb_is ps; or __shoal_verb_is stop; or __shoal_verb_is restart; or __shoal_verb_is kill; or __shoal_verb_is remove; or __shoal_verb_is logs; or __shoal_verb_is watch' -a '(__shoal_targets)' -d target
complete -c shoal -n '__shoal_verb_is join; or __shoal_verb_is stop; or __shoal_verb_is restart' -l timeout -x -d 'seconds to wait'
complete -c shoal -n '__shoal_verb_is join' -s v -l verbose -d 'say how each one ended'
complete -c shoal -n '__shoal_verb_is kill' -s s -l signal -x -a '(command kill -l | string split -n " ")' -d 'the signal'
complete -c shoal -n '__shoal_verb_is kill' -l group -d 'signal its whole process group'
complete -c shoal -n '__shoal_verb_is logs' -s n -l lines -x -d 'the last N lines (default 10)'
complete -c shoal -n '__shoal_verb_is logs' -l stream -x -a 'stdout stderr both' -d 'which output (default both)'
complete -c shoal -n '__shoal_verb_is logs' -l timestamps -d 'prefix each line with when it was written'
complete -c shoal -n '__shoal_verb_is logs' -l stderr -d 'its stderr only (--stream stderr)'
complete -c shoal -n '__shoal_verb_is logs' -s f -l follow -d 'keep printing what it writes'
complete -c shoal -n '__shoal_verb_is watch' -l since -x -d 'replay the events after this seq'
complete -c shoal -n '__shoal_verb_is watch' -s n -l count -x -d 'exit after this many events'

# help
complete -c shoal -n '__shoal_needs_sub help' -a 'start join status ls ps stop restart kill remove logs top ping reload watch value array lock daemon'

# values and arrays
complete -c shoal -n '__shoal_needs_sub value' -a 'create get set add cas list delete'
complete -c shoal -n '__shoal_verb_is value get; or __shoal_verb_is value set; or __shoal_verb_is value add; or __shoal_verb_is value cas; or __shoal_verb_is value delete' -a '(__shoal_names value list)' -d 'value'
complete -c shoal -n '__shoal_verb_is value add; or __shoal_verb_is value cas' -l timeout -x -d 'wait at most this long for the lock'
complete -c shoal -n '__shoal_verb_is value add; or __shoal_verb_is value cas' -l owner -x -d 'the process this update runs for'
complete -c shoal -n '__shoal_verb_is value add; or __shoal_verb_is value cas' -l lock -x -a '(__shoal_names lock list)' -d 'hold this named lock instead of the daemon\'s own'
complete -c shoal -n '__shoal_needs_sub array' -a 'create get set delete'
complete -c shoal -n '__shoal_verb_is array get; or __shoal_verb_is array set; or __shoal_verb_is array delete' -a '(__shoal_names value list)' -d 'array'
complete -c shoal -n '__shoal_verb_is array create' -l values -x -d 'initial elements, V1,V2,...'

# the lock
complete -c shoal -n '__shoal_needs_sub daemon' -a 'reexec' -d 'upgrade in place, keeping every child'
complete -c shoal -n '__shoal_needs_sub lock' -a 'acquire release status run list delete'
complete -c shoal -n '__shoal_verb_is lock; and not __shoal_needs_sub lock' -l name -x -a '(__shoal_names lock list)' -d 'a named lock'
complete -c shoal -n '__shoal_verb_is lock acquire' -s n -l nonblock -d 'do not wait'
complete -c shoal -n '__shoal_verb_is lock acquire; or __shoal_verb_is lock run' -l timeout -x -d 'wait at most this long'
complete -c shoal -n '__shoal_verb_is lock acquire; or __shoal_verb_is lock release' -l owner -x -a '(__fish_complete_pids)' -d 'the owner pid'
complete -c shoal -n '__shoal_verb_is lock release' -l force -d 'release it whoever holds it'
