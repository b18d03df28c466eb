//! Industrial clusters (产业集群) by density-based clustering: DBSCAN (Ester, Kriegel, Sander & Xu 1996) as
//! scikit-learn's `DBSCAN(eps, min_samples)` defines it — a point is a core point when at least `min_samples`
//! points (itself included) lie within `eps` metres (distance ≤ eps); clusters grow from core points; a border
//! point joins the first cluster that reaches it; clusters are numbered from 0 in the order of their first core
//! point; the rest is noise (−1). The labels equal scikit-learn's, point for point.
//!
//! Each cluster becomes a polygon: the convex hull of its members, each grown to a 16-gon of radius `eps / 2`, so
//! a cluster of two firms still has an area.

use super::neighbours::PointGrid;

/// Noise: a point in no cluster.
pub const NOISE: i64 = -1;

/// The DBSCAN label of every point (cluster number from 0, or [`NOISE`]). Points with a coordinate that is not
/// finite are noise. Errors: an `eps` that is not positive, `min_samples` of 0.
pub fn dbscan(points: &[[f64; 2]], eps: f64, min_samples: usize) -> Result<Vec<i64>, String> {
    if !(eps.is_finite() && eps > 0.0) {
        return Err(format!(
            "邻域半径 {eps} m 须为正数 / the radius eps ({eps} m) must be positive"
        ));
    }
    if min_samples == 0 {
        return Err("最少点数须至少为 1 / min_samples must be at least 1".into());
    }
    let grid = PointGrid::new(points, eps);
    let n = points.len();
    let mut count = vec![0usize; n];
    for (i, p) in points.iter().enumerate() {
        grid.within(*p, eps, |_, _| count[i] += 1);
    }
    let core: Vec<bool> = count.iter().map(|&c| c >= min_samples).collect();
    let mut labels = vec![NOISE; n];
    let mut next = 0i64;
    let mut stack: Vec<usize> = Vec::new();
    for start in 0..n {
        if labels[start] != NOISE || !core[start] {
            continue;
        }
        labels[start] = next;
        stack.push(start);
        while let Some(i) = stack.pop() {
            // Only core points spread the cluster; border points take its label and stop.
            if !core[i] {
                continue;
            }
            grid.within(points[i], eps, |j, _| {
                if labels[j] == NOISE {
                    labels[j] = next;
                    stack.push(j);
                }
            });
        }
        next += 1;
    }
    Ok(labels)
}

/// The polygon of each cluster (index = cluster number): the convex hull of its members grown by `eps / 2`, as
/// a closed counter-clockwise ring in the points' CRS.
pub fn cluster_polygons(points: &[[f64; 2]], labels: &[i64], eps: f64) -> Vec<Vec<[f64; 2]>> {
    use geo::ConvexHull;
    let clusters = labels
        .iter()
        .copied()
        .max()
        .map_or(0, |m| (m + 1).max(0) as usize);
    let mut members: Vec<Vec<geo::Coord>> = vec![Vec::new(); clusters];
    let r = eps / 2.0;
    for (p, &l) in points.iter().zip(labels) {
        if l < 0 {
            continue;
        }
        for k in 0..16 {
            let a = k as f64 * std::f64::consts::PI / 8.0;
            members[l as usize].push(geo::coord! { x: p[0] + r * a.cos(), y: p[1] + r * a.sin() });
        }
    }
    members
        .into_iter()
        .map(|m| {
            let hull = geo::MultiPoint::from(m).convex_hull();
            let mut ring: Vec<[f64; 2]> = hull.exterior().coords().map(|c| [c.x, c.y]).collect();
            if crate::core::model::geom::ring_signed_area(&ring) < 0.0 {
                ring.reverse();
            }
            ring
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_groups_and_noise() {
        let mut pts = Vec::new();
        for k in 0..6 {
            pts.push([k as f64 * 10.0, 0.0]);
            pts.push([1000.0 + k as f64 * 10.0, 500.0]);
        }
        pts.push([5000.0, 5000.0]);
        let l = dbscan(&pts, 15.0, 3).unwrap();
        assert_eq!(l[0], 0);
        assert_eq!(l[1], 1);
        assert!(l.iter().step_by(2).take(6).all(|&x| x == 0));
        assert_eq!(l[12], NOISE);
        let polys = cluster_polygons(&pts, &l, 15.0);
        assert_eq!(polys.len(), 2);
        let a = crate::core::model::geom::ring_signed_area(&polys[0]);
        // The hull of a 50 m line grown by 7.5 m: about 50 × 15 + a disk of 7.5 m.
        assert!(
            a > 50.0 * 15.0 && a < 50.0 * 15.0 + std::f64::consts::PI * 7.5 * 7.5,
            "{a}"
        );
        assert!(dbscan(&pts, 0.0, 3).is_err());
    }
}
