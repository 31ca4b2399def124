//! `sockaddr_un` and control messages against what Linux 6.1 does with the same bytes.

use keel_abi::Errno;
use keel_net::unix::*;

fn sun(path: &[u8]) -> Vec<u8> {
    let mut v = 1u16.to_ne_bytes().to_vec();
    v.extend_from_slice(path);
    v
}

#[test]
fn addresses_decode_as_linux_reads_them() {
    assert_eq!(
        UnixAddr::decode(&sun(b"/tmp/s\0")),
        Ok(UnixAddr::Path(b"/tmp/s".to_vec()))
    );
    // No terminator: the length ends the path.
    assert_eq!(
        UnixAddr::decode(&sun(b"/tmp/s")),
        Ok(UnixAddr::Path(b"/tmp/s".to_vec()))
    );
    assert_eq!(
        UnixAddr::decode(&sun(b"\0ab\0")),
        Ok(UnixAddr::Abstract(b"ab\0".to_vec()))
    );
    assert_eq!(UnixAddr::decode(&sun(b"")), Err(Errno::EINVAL));
    assert_eq!(UnixAddr::decode(&sun(&[b'a'; 109])), Err(Errno::EINVAL));
    assert_eq!(
        UnixAddr::decode(&sun(&[b'a'; 108])),
        Ok(UnixAddr::Path(vec![b'a'; 108]))
    );
    let mut inet = sun(b"/x\0");
    inet[0] = 2;
    assert_eq!(UnixAddr::decode(&inet), Err(Errno::EINVAL));
    assert_eq!(UnixAddr::decode_bind(&sun(b"")), Ok(BindTarget::Auto));
    assert_eq!(UnixAddr::decode_bind(&[1]), Err(Errno::EINVAL));
}

#[test]
fn addresses_encode_with_linux_lengths() {
    assert_eq!(UnixAddr::Unnamed.encode().len(), 2);
    assert_eq!(
        UnixAddr::Path(b"/tmp/s".to_vec()).encode(),
        sun(b"/tmp/s\0")
    );
    assert_eq!(UnixAddr::Abstract(b"ab".to_vec()).encode(), sun(b"\0ab"));
    let auto = UnixAddr::autobind(0x1f).encode();
    assert_eq!(auto.len(), 8);
    assert_eq!(&auto[2..], b"\x000001f");
}

fn cmsg(level: i32, ty: i32, data: &[u8]) -> Vec<u8> {
    let mut v = ((16 + data.len()) as u64).to_ne_bytes().to_vec();
    v.extend_from_slice(&level.to_ne_bytes());
    v.extend_from_slice(&ty.to_ne_bytes());
    v.extend_from_slice(data);
    v.resize(cmsg_align(v.len()), 0);
    v
}

#[test]
fn control_messages_parse_with_linux_errors() {
    let fds: Vec<u8> = [3i32, 4, 5].iter().flat_map(|f| f.to_ne_bytes()).collect();
    let mut b = cmsg(1, SCM_RIGHTS, &fds);
    b.extend(cmsg(6, 99, &[0; 4])); // another level: skipped
    b.extend(cmsg(1, SCM_CREDENTIALS, &[0; 12]));
    assert_eq!(
        parse_cmsgs(&b),
        Ok(vec![Cmsg::Rights(vec![3, 4, 5]), Cmsg::Credentials([0; 3])])
    );
    assert_eq!(parse_cmsgs(&cmsg(1, 77, &[])), Err(Errno::EINVAL));
    assert_eq!(
        parse_cmsgs(&cmsg(1, SCM_CREDENTIALS, &[0; 8])),
        Err(Errno::EINVAL)
    );
    let mut short = cmsg(1, SCM_RIGHTS, &[0; 4]);
    short[0] = 8;
    assert_eq!(parse_cmsgs(&short), Err(Errno::EINVAL));
    let mut long = cmsg(1, SCM_RIGHTS, &[0; 4]);
    long[0] = 64;
    assert_eq!(parse_cmsgs(&long), Err(Errno::EINVAL));
    let many: Vec<u8> = (0..254).flat_map(|f: i32| f.to_ne_bytes()).collect();
    assert_eq!(parse_cmsgs(&cmsg(1, SCM_RIGHTS, &many)), Err(Errno::EINVAL));
    // A buffer shorter than a header holds no messages.
    assert_eq!(parse_cmsgs(&[0; 8]), Ok(vec![]));
}

#[test]
fn control_messages_are_cut_to_the_space_given() {
    assert_eq!(rights_that_fit(16 + 8), 2);
    assert_eq!(rights_that_fit(10), 0);
    let mut out = Vec::new();
    assert_eq!(
        put_cmsg(&mut out, 24, SCM_RIGHTS, &[1, 0, 0, 0]),
        (true, false)
    );
    assert_eq!(out.len(), 24);
    assert_eq!(u64::from_ne_bytes(out[..8].try_into().unwrap()), 20);
    let mut out = Vec::new();
    assert_eq!(
        put_cmsg(&mut out, 8, SCM_RIGHTS, &[1, 0, 0, 0]),
        (false, true)
    );
    assert!(out.is_empty());
    let mut out = Vec::new();
    assert_eq!(
        put_cmsg(&mut out, 18, SCM_CREDENTIALS, &[7; 12]),
        (true, true)
    );
    assert_eq!(out.len(), 18);
}
