"""Value, Array, RawValue and RawArray in shoald's shared segment.

Each object is a value or array of the daemon (``shoal value list`` shows it) and, in every
process, a ctypes object laid over the daemon's segment (``from_buffer`` of the mapping): reads
and writes happen in place, one element at a time and atomically (docs/segment-layout.md), with
ctypes' own conversions, as multiprocessing's objects do over its private arena. No request
goes to the daemon after creation.

``Value`` and ``Array`` come with a lock, an RLock of the daemon made on the first
``get_lock()``, as in multiprocessing; read-modify-write sequences (``v.value += 1``) need it.
Passed to a child (or pickled at all), they are the same storage there.
"""

import itertools
import sys

from . import _run, _segment
from .errors import ShoalError
from .synchronize import Lock, RLock, lock_info

__all__ = ["RawValue", "RawArray", "Value", "Array"]

_CTYPE_NAMES = {"c": "c_char", "b": "c_byte", "B": "c_ubyte", "h": "c_short",
                "H": "c_ushort", "i": "c_int", "I": "c_uint", "l": "c_long", "L": "c_ulong",
                "q": "c_longlong", "Q": "c_ulonglong", "f": "c_float", "d": "c_double"}

_classes = {}


def _typecode(typecode_or_type):
    """The typecode of 'i' or of a ctypes type such as ctypes.c_int (whose _type_ it is)."""
    code = getattr(typecode_or_type, "_type_", typecode_or_type)
    if not isinstance(code, str) or len(code) != 1 or code not in _CTYPE_NAMES:
        raise TypeError(f"typecode {typecode_or_type!r} is not one Shoal stores; use one of "
                        f"{' '.join(_segment.TYPECODES)} (or the ctypes type of one)")
    return code


def _ctype(code):
    # ctypes is imported by the first process that makes or receives a shared object, not by
    # every child at start-up.
    import ctypes
    return getattr(ctypes, _CTYPE_NAMES[code])


class _Shared:
    """What every shared object adds to its ctypes type: its name in the daemon, and pickling
    by that name (the receiver maps the same entry)."""

    @property
    def name(self):
        """The name in the daemon (``shoal value get NAME``)."""
        return self._shoal_name

    def __reduce__(self):
        return _rebuild, (self._shoal_name, self._shoal_kind, self._shoal_code,
                          self._shoal_length, isinstance(self, _Synchronized),
                          self._shoal_lock_state())

    def _shoal_lock_state(self):
        return None

    def __repr__(self):
        shown = self.value if self._shoal_kind == _segment.KIND_VALUE else self[:]
        return f"<{type(self).__name__}('{self._shoal_code}', {shown!r}) {self._shoal_name}>"


class _Synchronized(_Shared):
    """A shared object with its lock: ``get_lock()``, ``get_obj()``, ``acquire()``,
    ``release()`` and ``with``. Single elements are read and written without the lock (each
    access is atomic); slices of arrays take it, as in multiprocessing."""

    def get_lock(self):
        lock = self._shoal_lock
        if lock is None:
            lock = self._shoal_lock = RLock._from_info(lock_info(_lock_name(self._shoal_name)))
        # From now on a C callable answers get_lock() without a Python frame: it sits in every
        # `with v.get_lock():`.
        self.get_lock = itertools.repeat(lock).__next__
        return lock

    def get_obj(self):
        """The same storage without the lock."""
        cls = _class(self._shoal_kind, self._shoal_code, self._shoal_length, False)
        obj = cls.from_buffer(_run.current().segment().map, self._shoal_offset)
        _label(obj, self._shoal_name, self._shoal_kind, self._shoal_code, self._shoal_length,
               self._shoal_offset)
        return obj

    def acquire(self, *args, **kwargs):
        return self.get_lock().acquire(*args, **kwargs)

    def release(self):
        return self.get_lock().release()

    def __enter__(self):
        return self.get_lock().__enter__()

    def __exit__(self, *exc):
        return self._shoal_lock.__exit__(*exc)

    def _shoal_lock_state(self):
        # The default lock is found again by name; a lock given to Value() travels with it.
        return None if self._shoal_default_lock else self.get_lock()


class _SynchronizedArray(_Synchronized):
    def __getitem__(self, index):
        if type(index) is slice:
            with self.get_lock():
                return super().__getitem__(index)
        return super().__getitem__(index)

    def __setitem__(self, index, value):
        if type(index) is slice:
            with self.get_lock():
                return super().__setitem__(index, value)
        return super().__setitem__(index, value)


def _lock_name(name):
    return name[:59] + ".lock"


def _class(kind, code, length, synchronized):
    key = (kind, code, length if kind == _segment.KIND_ARRAY else 1, synchronized)
    cls = _classes.get(key)
    if cls is None:
        base = _ctype(code) if kind == _segment.KIND_VALUE else _ctype(code) * length
        if kind == _segment.KIND_VALUE:
            mixin, title = (_Synchronized, "Synchronized") if synchronized else (_Shared, "Shared")
        else:
            mixin, title = ((_SynchronizedArray, "SynchronizedArray") if synchronized
                            else (_Shared, "SharedArray"))
        cls = _classes[key] = type(f"{title}_{_CTYPE_NAMES[code]}", (mixin, base), {})
    return cls


def _label(obj, name, kind, code, length, offset):
    obj._shoal_name = name
    obj._shoal_kind = kind
    obj._shoal_code = code
    obj._shoal_length = length
    obj._shoal_offset = offset


def _attach(entry, synchronized, lock=None):
    """The ctypes object over ``entry`` in this process's mapping."""
    cls = _class(entry.kind, entry.typecode, entry.length, synchronized)
    obj = cls.from_buffer(_run.current().segment().map, entry.offset)
    _label(obj, entry.name, entry.kind, entry.typecode, entry.length, entry.offset)
    if synchronized:
        obj._shoal_lock = lock
        obj._shoal_default_lock = lock is None
    return obj


def _rebuild(name, kind, code, length, synchronized, lock):
    """Unpickles a shared object: the same entry, mapped in this process."""
    entry = _find(name, kind)
    if entry.typecode != code or entry.length != length:
        raise ValueError(f"shoald's '{name}' is now typecode '{entry.typecode}' and length "
                         f"{entry.length}, not '{code}' and {length}")
    return _attach(entry, synchronized, lock)


def _find(name, kind):
    seg = _run.current().segment()
    entry = seg.find(name)
    what = "value" if kind == _segment.KIND_VALUE else "array"
    if entry is None:
        raise LookupError(f"no shared {what} named '{name}' in shoald's segment (it was deleted)")
    if entry.kind != kind:
        raise TypeError(f"'{name}' in shoald's segment is not a {what}")
    return entry


def _create(kind, code, staged, length, name, frame):
    """The entry for a new value/array (or, under the module-level rule or with a name, the
    existing one), with the bytes of ``staged`` written in when it was created here."""
    run = _run.current()
    if name is None:
        name, shared = run.object_name("v" if kind == _segment.KIND_VALUE else "a", frame)
    else:
        shared = True
    created = True
    try:
        if kind == _segment.KIND_VALUE:
            run.call("value_create", name, code)
        else:
            run.call("array_create", name, code, length)
    except ShoalError as e:
        if e.code != "already_exists" or not shared:
            raise
        created = False
    entry = _find(name, kind)
    if entry.typecode != code or entry.length != length:
        raise ValueError(f"'{name}' already exists in shoald with typecode '{entry.typecode}' and "
                         f"length {entry.length}, not '{code}' and {length}")
    if created:
        data = bytes(memoryview(staged).cast("B"))
        run.segment().view[entry.offset:entry.offset + len(data)] = data
    return entry


def _new_value(code, args, name, frame, synchronized, lock=None):
    if len(args) > 1:
        raise TypeError(f"a value takes one initial element, not {len(args)}")
    staged = _ctype(code)(*args)  # ctypes checks the initial value, before anything is created
    entry = _create(_segment.KIND_VALUE, code, staged, 1, name, frame)
    return _attach(entry, synchronized, lock)


def _new_array(code, size_or_initializer, name, frame, synchronized, lock=None):
    ctype = _ctype(code)
    if isinstance(size_or_initializer, int):
        if size_or_initializer < 1:
            raise ValueError(f"a shared array needs at least one element, not {size_or_initializer}")
        staged = (ctype * size_or_initializer)()
    else:
        initial = list(size_or_initializer)
        if not initial:
            raise ValueError("a shared array needs at least one element")
        staged = (ctype * len(initial))(*initial)
    entry = _create(_segment.KIND_ARRAY, code, staged, len(staged), name, frame)
    return _attach(entry, synchronized, lock)


def _lock_argument(lock):
    """(synchronized, lock object or None for the default) from Value/Array's ``lock``."""
    if lock is False:
        return False, None
    if lock is True or lock is None:
        return True, None
    if not isinstance(lock, Lock):
        raise AttributeError(f"{lock!r} has no method 'acquire' of a Shoal lock (pass a "
                             f"shoal.Lock or shoal.RLock)")
    return True, lock


def RawValue(typecode_or_type, *args, name=None):
    """A shared value without a lock. ``name`` (an extension) names it in the daemon and opens
    it when it exists."""
    return _new_value(_typecode(typecode_or_type), args, name, sys._getframe(1), False)


def RawArray(typecode_or_type, size_or_initializer, *, name=None):
    """A shared array without a lock, of ``size`` zeros or of the initializer's elements."""
    return _new_array(_typecode(typecode_or_type), size_or_initializer, name, sys._getframe(1),
                      False)


def Value(typecode_or_type, *args, lock=True, name=None, ctx=None):
    """A shared value with a lock (``lock=False``: without; or pass a Lock/RLock to use)."""
    synchronized, given = _lock_argument(lock)
    return _new_value(_typecode(typecode_or_type), args, name, sys._getframe(1), synchronized,
                      given)


def Array(typecode_or_type, size_or_initializer, *, lock=True, name=None, ctx=None):
    """A shared array with a lock (``lock=False``: without; or pass a Lock/RLock to use)."""
    synchronized, given = _lock_argument(lock)
    return _new_array(_typecode(typecode_or_type), size_or_initializer, name, sys._getframe(1),
                      synchronized, given)
