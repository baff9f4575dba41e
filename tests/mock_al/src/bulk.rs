#[cfg(test)]
mod probe {
    use cart_container::digesters::{Digester, MD5Digest, SHA1Digest};
    use sha2::{Digest, Sha256};
    use std::time::Instant;

    #[test]
    #[ignore]
    fn speeds() {
        let n = 64usize << 20;
        let t = Instant::now();
        let mut v = vec![0u8; n];
        crate::util::Rng::new(1).fill(&mut v);
        println!("rng fill: {:?}", t.elapsed());
        let t = Instant::now();
        let mut out = Vec::with_capacity(n);
        let mut i = 0u64;
        while out.len() < n {
            out.extend_from_slice(&Sha256::digest(i.to_le_bytes()));
            i += 1;
        }
        println!("sha ctr: {:?}", t.elapsed());
        let t = Instant::now();
        let _ = Sha256::digest(&v);
        println!("sha256: {:?}", t.elapsed());
        let t = Instant::now();
        let mut m = MD5Digest::new();
        m.update(&v);
        m.finish();
        println!("md5: {:?}", t.elapsed());
        let t = Instant::now();
        let mut m = SHA1Digest::new();
        m.update(&v);
        m.finish();
        println!("sha1: {:?}", t.elapsed());
        let t = Instant::now();
        let c = crate::cart::encode(&v, "x", "TLP:CLEAR", None);
        println!("cart encode: {:?} {}", t.elapsed(), c.len());
    }
}
