# bash completion for shoal(1): verbs, their flags, and the names the daemon knows (TARGETs:
# process and program names from `shoal status --json`, and `all`; value and array names from `shoal value list --json`,
# named locks from `shoal lock list --json`).
# Installed as /usr/share/bash-completion/completions/shoal; or `source` it.

# Names of the "name" fields in the compact JSON that shoal --json prints. Asks the daemon
# named by a --socket already on the command line; prints nothing when it cannot be reached.
_shoal_names() {
    local socket=() i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        case ${COMP_WORDS[i]} in
            --socket) socket=(--socket "${COMP_WORDS[i + 1]}") ;;
            --socket=*) socket=(--socket "${COMP_WORDS[i]#--socket=}") ;;
        esac
    done
    timeout 2 "${COMP_WORDS[0]}" "${socket[@]}" "$@" --json 2>/dev/null |
        grep -o '"name":"[^"]*"' | sed 's/^"name":"//; s/"$//'
}

# What a TARGET may be: process names, the declared programs they belong to, and `all`.
_shoal_targets() {
    local socket=() i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        case ${COMP_WORDS[i]} in
            --socket) socket=(--socket "${COMP_WORDS[i + 1]}") ;;
            --socket=*) socket=(--socket "${COMP_WORDS[i]#--socket=}") ;;
        esac
    done
    timeout 2 "${COMP_WORDS[0]}" "${socket[@]}" status --json 2>/dev/null |
        grep -o '"\(name\|program\)":"[^"]*"' | sed 's/^"[a-z]*":"//; s/"$//' | sort -u
    echo all
}

_shoal() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local verbs="start join status ls ps stop restart kill remove logs top ping reload watch value array lock daemon help"
    local global="--socket --json --help"

    # The verb (one or two words) is the first words that are neither options nor the value
    # of --socket.
    local verb="" sub="" i w skip=0 after_dashdash=0
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if ((skip)); then skip=0; continue; fi
        case $w in
            --) after_dashdash=1; break ;;
            --socket) skip=1; continue ;;
            -*) continue ;;
        esac
        if [[ -z $verb ]]; then
            verb=$w
        elif [[ -z $sub && $verb =~ ^(value|array|lock|daemon|help)$ ]]; then
            sub=$w
            break
        else
            break
        fi
    done

    case $prev in
        --socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --name)
            if [[ $verb == lock ]]; then
                COMPREPLY=($(compgen -W "$(_shoal_names lock list)" -- "$cur"))
                return
            fi ;;
        --lock) COMPREPLY=($(compgen -W "$(_shoal_names lock list)" -- "$cur")); return ;;
        --stream) COMPREPLY=($(compgen -W "stdout stderr both" -- "$cur")); return ;;
        --cwd) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --env-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        -s|--signal)
            COMPREPLY=($(compgen -W "$(kill -l | grep -o 'SIG[A-Z0-9+-]*' | sed 's/^SIG//')" \
                -- "${cur#SIG}"))
            return ;;
        --restart) COMPREPLY=($(compgen -W "no on-failure always" -- "$cur")); return ;;
        --user) COMPREPLY=($(compgen -u -- "$cur")); return ;;
        --group) COMPREPLY=($(compgen -g -- "$cur")); return ;;
        --name|--env|--timeout|--owner|--values|--since|-n|--lines|--count|--restart-max|--restart-window)
            return ;;
    esac

    # After `start ... --` or `lock run ... --`, complete the command being run.
    if ((after_dashdash)); then
        COMPREPLY=($(compgen -c -f -- "$cur"))
        return
    fi

    if [[ -z $verb ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
        fi
        return
    fi

    local flags="" names=""
    case $verb in
        start) flags="--name --cwd --env --env-file --restart --restart-max --restart-window --user --group --log-max-bytes --log-backups --" ;;
        watch) flags="--since --count"; names=$(_shoal_targets) ;;
        reload) ;;
        join) flags="--timeout -v"; names=$(_shoal_targets) ;;
        status|ls|ps) names=$(_shoal_targets) ;;
        help)
            [[ -z $sub ]] && COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
            return ;;
        stop|restart) flags="--timeout"; names=$(_shoal_targets) ;;
        kill) flags="--signal --group"; names=$(_shoal_targets) ;;
        remove) names=$(_shoal_targets) ;;
        logs) flags="-n --lines --stream --timestamps --follow --stderr"; names=$(_shoal_targets) ;;
        ping|top) ;;
        value)
            if [[ -z $sub ]]; then
                COMPREPLY=($(compgen -W "create get set add cas list delete" -- "$cur"))
                return
            fi
            [[ $sub =~ ^(add|cas)$ ]] && flags="--lock --timeout --owner"
            [[ $sub =~ ^(get|set|add|cas|delete)$ ]] && names=$(_shoal_names value list) ;;
        array)
            if [[ -z $sub ]]; then
                COMPREPLY=($(compgen -W "create get set delete" -- "$cur"))
                return
            fi
            [[ $sub == create ]] && flags="--values"
            [[ $sub =~ ^(get|set|delete)$ ]] && names=$(_shoal_names value list) ;;
        daemon)
            if [[ -z $sub ]]; then
                COMPREPLY=($(compgen -W "reexec" -- "$cur"))
                return
            fi ;;
        lock)
            if [[ -z $sub ]]; then
                COMPREPLY=($(compgen -W "acquire release status run list delete" -- "$cur"))
                return
            fi
            case $sub in
                acquire) flags="--name --nonblock --timeout --owner" ;;
                release) flags="--name --owner --force" ;;
                status|delete) flags="--name" ;;
                run) flags="--name --timeout --" ;;
            esac ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags $global" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$names" -- "$cur"))
    fi
}

complete -F _shoal shoal
