//! (IoC view input: SID lists, deep links — being written)
