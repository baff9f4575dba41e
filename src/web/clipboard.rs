//! (IoC view: copy to clipboard — being written)
